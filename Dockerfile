# One image for every process (web, workers, beat, flower); docker-compose.yml picks the command.
FROM python:3.11-slim-bookworm

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1

WORKDIR /app
RUN useradd --create-home --uid 10001 app

COPY requirements.txt ./
RUN pip install -r requirements.txt

COPY . .
RUN DJANGO_SETTINGS_MODULE=assessment_engine.settings.local python manage.py collectstatic --noinput -v 0 \
    && mkdir -p /app/media /app/secrets /app/.run && chown -R app:app /app/media /app/secrets /app/.run \
    && chmod 700 /app/secrets

USER app
EXPOSE 8000 5555
CMD ["gunicorn", "assessment_engine.wsgi", "--config", "gunicorn.conf.py"]
