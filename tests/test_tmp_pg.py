def test_cluster(postgres_url):
    import psycopg
    with psycopg.connect(postgres_url) as c:
        print(c.execute("select extversion from pg_extension where extname='vector'").fetchone())
        print(c.execute("select * from schema_migrations").fetchall())
