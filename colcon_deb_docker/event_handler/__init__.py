# Copyright 2026 The colcon-deb-docker authors
# Licensed under the Apache License, Version 2.0
"""Event handlers of colcon deb (entry point colcon_core.event_handler)."""
