"""Any change to an assessment's content bumps its version, in the database itself.

The version keys every copy of the content kept outside the row (`assessments.content_cache`:
the per-process memo, the candidate view in Redis), so no write path (the ORM, a
`QuerySet.update`, psql) can change the content and leave a stale copy behind.
"""

from django.db import migrations

CREATE = """
CREATE FUNCTION assessment_content_bumps_version() RETURNS trigger AS $$
BEGIN
    IF NEW.content IS DISTINCT FROM OLD.content AND NEW.version = OLD.version THEN
        NEW.version := OLD.version + 1;
    END IF;
    RETURN NEW;
END
$$ LANGUAGE plpgsql;

CREATE TRIGGER assessment_content_bumps_version
    BEFORE UPDATE OF content ON assessments_assessment
    FOR EACH ROW EXECUTE FUNCTION assessment_content_bumps_version();
"""

DROP = """
DROP TRIGGER assessment_content_bumps_version ON assessments_assessment;
DROP FUNCTION assessment_content_bumps_version();
"""


class Migration(migrations.Migration):
    dependencies = [("assessments", "0001_initial")]

    operations = [migrations.RunSQL(CREATE, DROP)]
