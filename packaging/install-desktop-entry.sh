#!/bin/sh
# Put imgtrainer in this user's desktop menu (freedesktop: GNOME, KDE, Xfce ...), no root needed.
#   sh install-desktop-entry.sh          from the bundle folder (dist/imgtrainer/): starts the bundle
#   sh packaging/install-desktop-entry.sh from a checkout, for a pipx install: starts `imgtrainer` on PATH
# Remove with: rm ~/.local/share/applications/imgtrainer.desktop ~/.local/share/icons/hicolor/*/apps/imgtrainer.png
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
data="${XDG_DATA_HOME:-$HOME/.local/share}"
for size in 256 48; do
  install -Dm644 "$here/imgtrainer-$size.png" "$data/icons/hicolor/${size}x${size}/apps/imgtrainer.png"
done
mkdir -p "$data/applications"
if [ -x "$here/imgtrainer" ]; then
  sed "s|^Exec=.*|Exec=\"$here/imgtrainer\" gui|" "$here/imgtrainer.desktop" >"$data/applications/imgtrainer.desktop"
else
  cp "$here/imgtrainer.desktop" "$data/applications/imgtrainer.desktop"
fi
command -v update-desktop-database >/dev/null 2>&1 && update-desktop-database -q "$data/applications" || true
echo "added $data/applications/imgtrainer.desktop"
