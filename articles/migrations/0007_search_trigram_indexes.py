"""Trigram (pg_trgm) GIN indexes for the site search, on PostgreSQL only.

The search is `headline__icontains` / `body__icontains`, which Django writes as
`UPPER(col::text) LIKE UPPER('%q%')`; these expression indexes answer exactly that, for
Chinese too (trigrams of any characters). A trigram index helps only queries of three
characters or more; the search view sends shorter ones to the headlines alone.

The extension is created when the migrating role may; otherwise the migration says what
the database administrator should run, and the search works without the index, slowly.
SQLite keeps the plain substring scan.
"""

from django.db import DatabaseError, migrations, transaction

INDEXES = {
    "article_headline_trgm": "headline",
    "article_body_trgm": "body",
}

MISSING_EXTENSION = (
    "\n  注意:未能在数据库中创建 pg_trgm 扩展(当前数据库用户无此权限),"
    "全文检索索引未建立,搜索可用但较慢。\n"
    "  请数据库管理员执行:CREATE EXTENSION pg_trgm;  然后运行:\n"
    "  python manage.py migrate articles 0003 && python manage.py migrate\n"
    "  (pg_trgm could not be created: ask the DBA to run CREATE EXTENSION pg_trgm;)"
)


def has_trigrams(connection) -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_extension WHERE extname = 'pg_trgm'")
        if cursor.fetchone():
            return True
        try:
            # A savepoint: a refused CREATE must not abort the migration's transaction.
            with transaction.atomic(using=connection.alias):
                cursor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
        except DatabaseError:  # insufficient privilege, or not installed on the server
            return False
    return True


def create_indexes(apps, schema_editor):
    connection = schema_editor.connection
    if connection.vendor != "postgresql":
        return
    if not has_trigrams(connection):
        print(MISSING_EXTENSION)
        return
    table = schema_editor.quote_name("articles_article")
    for name, column in INDEXES.items():
        schema_editor.execute(
            f"CREATE INDEX IF NOT EXISTS {schema_editor.quote_name(name)} ON {table} "
            f"USING gin ((UPPER({schema_editor.quote_name(column)}::text)) gin_trgm_ops)"
        )


def drop_indexes(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    for name in INDEXES:
        schema_editor.execute(f"DROP INDEX IF EXISTS {schema_editor.quote_name(name)}")


class Migration(migrations.Migration):
    dependencies = [("articles", "0006_column_staleness_and_notices")]

    operations = [migrations.RunPython(create_indexes, drop_indexes, elidable=False)]
