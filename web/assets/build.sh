#!/bin/sh
# `make assets`: rebuild the browser code the pages use from the pinned npm packages (package-lock.json)
# into web/static/web/vendor/, with each package's licence. The output is committed: `make run` and CI
# need no Node. Run from the repository root after `npm ci`.
set -eu
out=web/static/web/vendor
rm -rf "$out"
mkdir -p "$out/licenses"

# htmx and axe-core (the browser tests inject it) are used as their authors built them.
cp node_modules/htmx.org/dist/htmx.min.js "$out/htmx.min.js"
cp node_modules/axe-core/axe.min.js "$out/axe.min.js"

# The BPMN diagram of an instance: bpmn-js's NavigatedViewer and our markers, one bundle and its CSS.
node_modules/.bin/esbuild web/assets/diagram.js --bundle --minify --format=iife --target=es2020 \
    --legal-comments=external --log-level=warning --outfile="$out/diagram.js"
node_modules/.bin/esbuild web/assets/diagram.css --bundle --minify --log-level=warning --outfile="$out/diagram.css"

# A document's PDF in the task and document pages: PDF.js's display layer and our page turner in one
# ES module, and PDF.js's worker as its authors built it (served from 'self': worker-src 'self').
# Its optional cmaps/, standard_fonts/, wasm/ and iccs/ folders (5 MB) are not shipped.
node_modules/.bin/esbuild web/assets/pdfview.js --bundle --minify --format=esm --target=es2022 \
    --legal-comments=external --log-level=warning --outfile="$out/pdfview.js"
cp node_modules/pdfjs-dist/build/pdf.worker.min.mjs "$out/pdf.worker.min.js"

for package in pdfjs-dist htmx.org axe-core bpmn-js diagram-js bpmn-moddle moddle moddle-xml saxen min-dash min-dom tiny-svg \
        didi ids object-refs path-intersection inherits-browser diagram-js-direct-editing @bpmn-io/diagram-js-ui \
        preact htm clsx; do
    version=$(node -p "require('./node_modules/$package/package.json').version")
    for licence in node_modules/$package/LICENSE* node_modules/$package/license*; do
        [ -f "$licence" ] || continue
        name=$(echo "$package" | tr '/@' '__')
        cp "$licence" "$out/licenses/$name-$version-$(basename "$licence")"
    done
done
echo "built into $out:"; ls -la "$out"
