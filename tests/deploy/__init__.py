"""Tests of the deployment: the container image (built and run with podman) and nginx in front."""
