#!/usr/bin/env bash
# Installs what Slipway's tests need on a Debian machine, when it is missing:
# Debian packages (Chromium for the browser tests; QEMU and a 32-bit gcc for the unikernel test kernel)
# and the npm dependencies.
# Safe to run again: it only installs what is not there.
set -euo pipefail
cd "$(dirname "$0")/.."

DEBIAN_PACKAGES=(chromium fonts-dejavu-core git docker.io docker-registry openssh-server openssh-client busybox-static procps openssl iproute2 qemu-system-x86 gcc gcc-multilib binutils bzip2)

missing=()
for p in "${DEBIAN_PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing Debian packages: ${missing[*]}"
  SUDO=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then SUDO="sudo"; else
      echo "setup: need root (or sudo) to install ${missing[*]}; install them and run again" >&2; exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -qq
  $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v node >/dev/null; then
  echo "setup: Node.js 20 or newer is required (apt-get install nodejs npm, or https://nodejs.org)" >&2; exit 1
fi
node -e 'const [a,b]=process.versions.node.split(".").map(Number); if (a<20||(a===20&&b<19)) { console.error("setup: Node.js "+process.versions.node+" is too old; Slipway needs 20.19 or newer"); process.exit(1) }'

if [ ! -d node_modules ] || [ ! -f node_modules/.package-lock.json ] || [ package.json -nt node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm install"
  npm install --no-audit --no-fund --loglevel=error
fi
if [ ! -f lib/generated/prisma/client.ts ]; then
  npm run --silent db:generate
fi
