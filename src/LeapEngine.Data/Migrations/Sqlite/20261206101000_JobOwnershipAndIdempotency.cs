using System;
using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace LeapEngine.Data.Migrations.Sqlite
{
    /// <inheritdoc />
    public partial class JobOwnershipAndIdempotency : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<DateTime>(
                name: "cancel_requested_at",
                table: "jobs",
                type: "TEXT",
                nullable: true);

            migrationBuilder.AddColumn<string>(
                name: "idempotency_key",
                table: "jobs",
                type: "TEXT",
                maxLength: 255,
                nullable: true);

            migrationBuilder.CreateIndex(
                name: "IX_jobs_tenant_id_idempotency_key",
                table: "jobs",
                columns: new[] { "tenant_id", "idempotency_key" },
                unique: true);
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_jobs_tenant_id_idempotency_key",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "cancel_requested_at",
                table: "jobs");

            migrationBuilder.DropColumn(
                name: "idempotency_key",
                table: "jobs");
        }
    }
}
