"""Live sources: trackers read over their APIs rather than from export files. Each one fetches
what changed and hands it to the loader of the export format it matches, so a project can move
from exports to sync with the same document ids."""
