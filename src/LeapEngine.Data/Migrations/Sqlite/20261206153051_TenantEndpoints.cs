using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeapEngine.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class TenantEndpoints : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<long>(
                name: "reserved_endpoint_calls",
                table: "usage_months",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.AddColumn<long>(
                name: "used_endpoint_calls",
                table: "usage_months",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0L);

            migrationBuilder.CreateTable(
                name: "data_protection_keys",
                columns: table => new
                {
                    id = table.Column<int>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    friendly_name = table.Column<string>(type: "TEXT", nullable: true),
                    xml = table.Column<string>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_data_protection_keys", x => x.id);
                });

            migrationBuilder.CreateTable(
                name: "endpoints",
                columns: table => new
                {
                    id = table.Column<Guid>(type: "TEXT", nullable: false),
                    tenant_id = table.Column<Guid>(type: "TEXT", nullable: false),
                    name = table.Column<string>(type: "TEXT", maxLength: 200, nullable: true),
                    base_url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: false),
                    model = table.Column<string>(type: "TEXT", maxLength: 200, nullable: false),
                    api_key_protected = table.Column<string>(type: "TEXT", nullable: true),
                    header_names_json = table.Column<string>(type: "TEXT", nullable: false),
                    headers_protected = table.Column<string>(type: "TEXT", nullable: true),
                    max_concurrency = table.Column<int>(type: "INTEGER", nullable: false),
                    timeout_seconds = table.Column<int>(type: "INTEGER", nullable: false),
                    created_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    updated_at = table.Column<DateTime>(type: "TEXT", nullable: false),
                    capabilities_json = table.Column<string>(type: "TEXT", nullable: true),
                    probed_at = table.Column<DateTime>(type: "TEXT", nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_endpoints", x => x.id);
                    table.ForeignKey(
                        name: "FK_endpoints_tenants_tenant_id",
                        column: x => x.tenant_id,
                        principalTable: "tenants",
                        principalColumn: "id",
                        onDelete: ReferentialAction.Cascade);
                });

            migrationBuilder.CreateIndex(
                name: "IX_endpoints_tenant_id_created_at",
                table: "endpoints",
                columns: new[] { "tenant_id", "created_at" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "data_protection_keys");

            migrationBuilder.DropTable(
                name: "endpoints");

            migrationBuilder.DropColumn(
                name: "reserved_endpoint_calls",
                table: "usage_months");

            migrationBuilder.DropColumn(
                name: "used_endpoint_calls",
                table: "usage_months");
        }
    }
}
