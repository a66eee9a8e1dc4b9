// offline.js: see static/js/store.js; owner: issue 15 (offline).
