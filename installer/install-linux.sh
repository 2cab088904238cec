#!/usr/bin/env bash
# Kept for old instructions: installer/install.sh does the work (Linux and macOS) and also
# adopts an installation this script made before, so its --uninstall removes that too.
#   installer/install-linux.sh            = installer/install.sh
#   installer/install-linux.sh --remove   = installer/install.sh --uninstall
exec "$(dirname "${BASH_SOURCE[0]}")/install.sh" "$@"
