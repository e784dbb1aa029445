"""The web app: server-rendered pages and a little JavaScript of our own (no CDN)."""
