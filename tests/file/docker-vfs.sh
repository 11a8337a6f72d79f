#!/usr/bin/env bash
# tests/file/docker.sh on Docker's vfs storage driver (see there).
FDR_FILE_DRIVER=vfs exec bash "$(dirname "$0")/docker.sh"
