"""Settings for the test suite: the real settings with test-only defaults for what production must set."""
import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("FIELD_ENCRYPTION_KEYS", "XlETcdVPmtdKYh7zMg_PArMhTq_Adx1kwSsr7EjJWe4=")  # a test-only Fernet key

from .settings import *  # noqa: E402,F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]  # fast, and only ever for test users
ALLOWED_HOSTS = ["*"]  # the test client and live servers use several host names; only ever in this module
SIGNING_KEY_FILE = str(BASE_DIR / "var" / "test-signing-key.pem")  # noqa: F405
SIGNING_KEY_GENERATE = True
# Tests render pages without running collectstatic first: plain storage, files found in the apps.
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}  # noqa: F405
WHITENOISE_USE_FINDERS = True
