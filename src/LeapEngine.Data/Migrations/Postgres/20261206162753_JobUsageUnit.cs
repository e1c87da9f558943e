using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeapEngine.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class JobUsageUnit : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<string>(
                name: "usage_unit",
                table: "jobs",
                type: "character varying(32)",
                maxLength: 32,
                nullable: false,
                defaultValue: "model_tokens");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "usage_unit",
                table: "jobs");
        }
    }
}
