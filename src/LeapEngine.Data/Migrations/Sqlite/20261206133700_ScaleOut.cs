using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeapEngine.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class ScaleOut : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "handed_back",
                table: "jobs",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);

            migrationBuilder.AddColumn<string>(
                name: "trace_parent",
                table: "jobs",
                type: "TEXT",
                maxLength: 128,
                nullable: true);

            migrationBuilder.CreateTable(
                name: "rate_windows",
                columns: table => new
                {
                    bucket = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    window_start = table.Column<long>(type: "INTEGER", nullable: false),
                    count = table.Column<int>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_rate_windows", x => x.bucket);
                });

            migrationBuilder.CreateIndex(
                name: "IX_rate_windows_window_start",
                table: "rate_windows",
                column: "window_start");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "rate_windows");

            migrationBuilder.DropColumn(
                name: "handed_back",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "trace_parent",
                table: "jobs");
        }
    }
}
