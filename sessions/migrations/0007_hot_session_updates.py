"""Submits and heartbeats as HOT updates (heap-only: no index entry written).

The expiry sweep's index on `last_activity_at` made every submit and heartbeat write a new
entry into each of the sessions table's indexes. The sweep reads the ACTIVE sessions through the
partial indexes that already hold exactly them (the one-ACTIVE-session-per-user index, the
close sweep's), and the table keeps 15% of each page free for the new row versions, without
which a HOT update needs a page that happens to have room. The fillfactor
applies to pages written from now on; `VACUUM FULL` or `pg_repack` would rewrite old ones.
"""

from django.db import migrations

SESSIONS = "candidate_sessions_candidatesession"


class Migration(migrations.Migration):
    dependencies = [
        ("candidate_sessions", "0006_session_content_version"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="candidatesession",
            name="session_active_activity_idx",
        ),
        migrations.RunSQL(
            f"ALTER TABLE {SESSIONS} SET (fillfactor = 85)",
            reverse_sql=f"ALTER TABLE {SESSIONS} RESET (fillfactor)",
        ),
    ]
