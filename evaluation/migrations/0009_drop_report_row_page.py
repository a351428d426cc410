"""Report rows lose their index on (scope, scope_key, period).

The unique constraint report_row_once starts with the same three columns, so every read
of a report (its page, its periods, its downloads) already used it; the second index only
had to be kept up as a build wrote its rows: about 2 s of a large year's 84 at movement
scale (2025: 838,971 rows), and its share of the table's size.
"""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("evaluation", "0008_report_build_attempt"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="reportrow",
            name="report_row_page",
        ),
    ]
