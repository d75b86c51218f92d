"""Production settings pass `check --deploy`; the demo clock there fails it."""

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PRODUCTION_ENV = {"DJANGO_SETTINGS_MODULE": "config.settings.production", "DJANGO_SECRET_KEY": "x" * 64 + "-prod-Secret!",
                  "DJANGO_ALLOWED_HOSTS": "sunbid.example.cn", "SUNBID_PLATFORM_KEY": "11" * 32}


def check_deploy(**extra: str) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | PRODUCTION_ENV | extra
    return subprocess.run([sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"], cwd=ROOT,
                          env=env, capture_output=True, text=True, timeout=120)


def test_production_settings_pass_check_deploy():
    done = check_deploy()
    assert done.returncode == 0, done.stdout + done.stderr


def test_demo_clock_in_production_fails_check_deploy():
    done = check_deploy(SUNBID_DEMO_CLOCK="true")
    assert done.returncode != 0 and "sunbid.E001" in done.stdout + done.stderr


def test_production_refuses_to_start_without_its_secret():
    env = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")} | PRODUCTION_ENV
    del env["DJANGO_SECRET_KEY"]
    done = subprocess.run([sys.executable, "manage.py", "check"], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode != 0 and "DJANGO_SECRET_KEY" in done.stderr


def test_pure_modules_import_no_django():
    code = "import sys, canonical_json, audit.chain, audit.verify; assert 'django' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, check=True, timeout=60)
