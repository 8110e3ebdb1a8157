#!/bin/sh
# Container entry point: validate the configuration, then serve with gunicorn (one gevent worker).
set -e
signal-api check-config > /dev/null
exec gunicorn -c /app/docker/gunicorn.conf.py signal_api.wsgi:app
