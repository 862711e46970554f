#!/usr/bin/env bash
# Installs the Debian 12 packages Polso needs to build, run and test, and only
# those that are missing. Runs apt-get as root, or through sudo.
set -euo pipefail

packages=(
  build-essential pkg-config file libssl-dev
  libwebkit2gtk-4.1-dev libgtk-3-dev libayatana-appindicator3-dev librsvg2-dev libxdo-dev
  libsecret-1-dev xvfb xauth webkit2gtk-driver dbus-daemon dbus-x11 gnome-keyring
  python3 python3-venv
  dbus-bin x11-utils
  bubblewrap appstream desktop-file-utils
  postgresql
)

missing=()
for package in "${packages[@]}"; do
  dpkg -s "$package" >/dev/null 2>&1 || missing+=("$package")
done
if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing missing system packages: ${missing[*]}"
sudo=()
if [ "$(id -u)" -ne 0 ]; then
  sudo=(sudo)
fi
"${sudo[@]}" apt-get update -qq
DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
