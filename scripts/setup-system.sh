#!/usr/bin/env bash
# Installs the Debian/Ubuntu packages Sentinel Console needs (Qt runtime libraries, ffmpeg,
# GStreamer's RTSP server, PostgreSQL, Xvfb, imagemagick). As root it installs what is missing;
# otherwise it prints the exact command to run and stops with exit 2.
set -euo pipefail

PACKAGES=(
  # Qt 6 (PySide6) runtime libraries for the offscreen and xcb platforms
  libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1
  libxcb-image0 libxcb-randr0 libxcb-render-util0 libxcb-shape0 libxcb-xinerama0 libxcb-xkb1
  libdbus-1-3 libfontconfig1 fonts-dejavu-core
  # media
  ffmpeg
  # GStreamer RTSP server used by the tests (run with the system python3)
  python3 python3-gi gir1.2-gst-rtsp-server-1.0 gstreamer1.0-plugins-base gstreamer1.0-plugins-good
  gstreamer1.0-plugins-bad gstreamer1.0-plugins-ugly gstreamer1.0-libav gstreamer1.0-tools
  # PostgreSQL server for the multi-console tests
  postgresql
  # virtual screen and screenshots; pdftotext reads the exhibit sheets in the tests
  xvfb xauth imagemagick poppler-utils
  # python venv support for Debian's python3 (the Makefile may use it)
  python3-venv
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

if [ "$(id -u)" -ne 0 ]; then
  echo "Sentinel Console needs these system packages. Run:" >&2
  echo "  sudo apt-get update && sudo apt-get install -y --no-install-recommends ${missing[*]}" >&2
  exit 2
fi

echo "Installing system packages: ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
echo "System packages installed."
