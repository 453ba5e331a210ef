DROP TABLE ingest_rejections;
