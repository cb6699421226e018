#!/bin/sh
# Stands in for Prisma's native schema engine, which the CLI would download (not possible offline).
# `prisma generate` does not need it. Migrations run through the wasm engine instead.
echo "Tollgate: the native Prisma schema engine is not installed. Use 'npm run db:migrate' / 'npm run db:status'." >&2
exit 1
