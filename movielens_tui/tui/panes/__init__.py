"""The app's panes, one class per module, each a container with ``id="pane-<name>"``."""
