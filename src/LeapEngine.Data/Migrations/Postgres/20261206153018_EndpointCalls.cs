using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeapEngine.Data.Migrations.Postgres
{
    /// <inheritdoc />
    public partial class EndpointCalls : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "reserved_endpoint_calls",
                table: "usage_months",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "used_endpoint_calls",
                table: "usage_months",
                type: "bigint",
                nullable: false,
                defaultValue: 0L);

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
                name: "reserved_endpoint_calls",
                table: "usage_months");

            migrationBuilder.DropColumn(
                name: "used_endpoint_calls",
                table: "usage_months");

            migrationBuilder.DropColumn(
                name: "usage_unit",
                table: "jobs");
        }
    }
}
