# Trailproof's image: one image, three processes (the Procfile's web, worker and beat), one environment
# (docs: README, "Deployment"). Build: docker build -t trailproof .   Run: docker run -e ... trailproof
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 PYTHONUNBUFFERED=1 PIP_NO_CACHE_DIR=1 PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHON=python PORT=8000 COLLECTSTATIC=0
WORKDIR /app

# Dependencies first, so a code change does not reinstall them.
COPY pyproject.toml ./
RUN pip install --no-compile .

COPY . .
# Static files are gathered into the image (compressed, content-hashed) so the web process starts at once.
# The settings refuse to load without a secret key and an encryption key when DEBUG is off: throwaway ones here,
# for this step only (the running container gets the real ones from its environment).
RUN SECRET_KEY=image-build-only DEBUG=0 \
    FIELD_ENCRYPTION_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
    python manage.py collectstatic --noinput -v0 \
    && useradd --system --no-create-home --shell /usr/sbin/nologin trailproof

USER trailproof
EXPOSE 8000
# web (the default); the others from the same image:
#   worker: python -m celery -A auditproject worker --loglevel=INFO
#   beat:   python -m celery -A auditproject beat --loglevel=INFO --schedule=/tmp/trailproof-celerybeat-schedule
CMD ["sh", "bin/serve"]
