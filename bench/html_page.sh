#!/usr/bin/env bash
# How long the HTML report takes to load in headless Chromium.
#
#   bench/html_page.sh PAGE.html [RUNS]
#
# For each run it prints the time the page's script reports as ready
# (data-ms: milliseconds from the start of navigation to the end of the
# script, which includes parsing the embedded JSON and drawing the first
# rows), and the wall time of a headless screenshot of the page, beside that
# of an empty page (the browser's own start-up and shutdown).
set -euo pipefail
page=$(realpath "$1")
runs=${2:-3}
browser=$(command -v chromium || command -v chromium-browser || command -v google-chrome)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo '<!doctype html><title>empty</title>' > "$work/empty.html"
flags=(--headless --no-sandbox --disable-gpu --no-first-run --disable-background-networking
  --disable-component-update --disable-sync --hide-scrollbars --window-size=1300,1400)
wall() {
  local start end
  start=$(date +%s.%N)
  timeout 300 "$browser" "${flags[@]}" --user-data-dir="$work/profile" \
    --screenshot="$work/shot.png" "file://$1" >/dev/null 2>&1
  end=$(date +%s.%N)
  echo "$end - $start" | bc
}
printf 'page: %s (%s bytes)\n' "$page" "$(stat -c %s "$page")"
for i in $(seq "$runs"); do
  ready=$(timeout 300 "$browser" "${flags[@]}" --user-data-dir="$work/profile" \
    --dump-dom "file://$page" 2>/dev/null | grep -o 'data-ms="[0-9]*"' | head -1)
  printf 'run %d: ready %s ms; screenshot wall %s s (empty page %s s)\n' \
    "$i" "${ready//[^0-9]/}" "$(wall "$page")" "$(wall "$work/empty.html")"
done
