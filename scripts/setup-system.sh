#!/usr/bin/env bash
# Installs the system packages babelwire needs from Debian/Ubuntu, only when missing:
# Apertium with the language pairs of the demo, Python's venv module, and for the
# tests Chromium, npm and the Apertium pairs they translate with.
set -euo pipefail

need=()
for mode in eng-spa spa-eng spa-cat cat-spa eng-cat cat-eng; do
  if [ ! -f "/usr/share/apertium/modes/$mode.mode" ]; then
    need+=(apertium apertium-eng-spa apertium-spa-cat apertium-eng-cat)
    break
  fi
done
command -v apertium >/dev/null 2>&1 || need+=(apertium)
# The pairs the tests translate with (tests/test_engine_routes.py), beside the demo's; with
# BABELWIRE_ENGINES=all (`make engines-all`) every pair of the languages bench/routes.py
# measures, and Italian, Occitan and Romanian. A mode the package installs names each.
test_pairs="es-gl:apertium-es-gl en-gl:apertium-en-gl es-pt:apertium-es-pt pt-gl:apertium-pt-gl
por-cat:apertium-por-cat fr-es:apertium-fr-es fra-cat:apertium-fra-cat cat-ita:apertium-cat-ita
eu-es:apertium-eu-es eu-en:apertium-eu-en oc-es:apertium-oc-es ro-es:apertium-es-ro"
all_pairs="spa-ita:apertium-spa-ita oc-ca:apertium-oc-ca oci-fra:apertium-oci-fra"
pairs=""
if [ "${BABELWIRE_SETUP:-}" != run ]; then pairs="$test_pairs"; fi
if [ "${BABELWIRE_ENGINES:-}" = all ]; then pairs="$test_pairs $all_pairs"; fi
for entry in $pairs; do
  [ -f "/usr/share/apertium/modes/${entry%%:*}.mode" ] || need+=("${entry#*:}")
done
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)
# The browser tests drive Debian's Chromium and inject axe-core installed with npm;
# running babelwire (BABELWIRE_SETUP=run, as `make demo` does) needs neither.
if [ "${BABELWIRE_SETUP:-}" != run ]; then
  [ -x /usr/bin/chromium ] || need+=(chromium)
  command -v npm >/dev/null 2>&1 || need+=(npm)
fi
# bench/site.py loads the server with wrk; only `make bench-site` asks for it.
if [ "${BABELWIRE_BENCH:-}" = 1 ]; then command -v wrk >/dev/null 2>&1 || need+=(wrk); fi

if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "babelwire: please install with your package manager: ${need[*]}" >&2
  exit 1
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
    echo "babelwire: run as root or install sudo to install: ${need[*]}" >&2
    exit 1
  fi
fi
echo "babelwire: installing ${need[*]}" >&2
$sudo apt-get update -qq
DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends \
  $(printf '%s\n' "${need[@]}" | sort -u)
