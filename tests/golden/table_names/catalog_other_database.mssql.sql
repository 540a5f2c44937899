-- parameters: []
SELECT name FROM sys.databases ORDER BY name
-- parameters: []
SELECT s.name FROM [hesa_i2].sys.schemas s ORDER BY s.name
-- parameters: []
SELECT DB_NAME(), SCHEMA_NAME()
-- parameters: [('schema', 'p1234')]
SELECT o.name, CASE WHEN o.type = 'V' THEN 'view' ELSE 'table' END, (SELECT SUM(p.rows) FROM [hesa_i2].sys.partitions p WHERE p.object_id = o.object_id AND p.index_id IN (0, 1)) FROM [hesa_i2].sys.objects o JOIN [hesa_i2].sys.schemas s ON s.schema_id = o.schema_id WHERE o.type IN ('U', 'V') AND s.name = coalesce(:schema, SCHEMA_NAME()) ORDER BY o.name
-- parameters: [('schema', 'p1234'), ('table', 'hesa_2016')]
SELECT o.name, c.name, t.name, c.is_nullable, c.column_id - 1, CASE WHEN c.max_length = -1 THEN NULL WHEN t.name IN ('nchar', 'nvarchar') THEN c.max_length / 2 ELSE c.max_length END, c.precision, c.scale, c.collation_name, CAST(ep.value AS nvarchar(4000)) FROM [hesa_i2].sys.columns c JOIN [hesa_i2].sys.types t ON t.user_type_id = c.user_type_id JOIN [hesa_i2].sys.objects o ON o.object_id = c.object_id JOIN [hesa_i2].sys.schemas s ON s.schema_id = o.schema_id LEFT JOIN [hesa_i2].sys.extended_properties ep ON ep.major_id = c.object_id AND ep.minor_id = c.column_id AND ep.class = 1 AND ep.name = 'MS_Description' WHERE o.type IN ('U', 'V') AND s.name = coalesce(:schema, SCHEMA_NAME()) AND (:table IS NULL OR o.name = :table) ORDER BY o.name, c.column_id
-- parameters: [('schema', 'p1234'), ('table', 'hesa_2016')]
SELECT o.name, i.is_primary_key, i.name, c.name, ic.key_ordinal FROM [hesa_i2].sys.indexes i JOIN [hesa_i2].sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id JOIN [hesa_i2].sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id JOIN [hesa_i2].sys.objects o ON o.object_id = i.object_id JOIN [hesa_i2].sys.schemas s ON s.schema_id = o.schema_id WHERE i.is_unique = 1 AND i.has_filter = 0 AND ic.is_included_column = 0 AND o.type IN ('U', 'V') AND s.name = coalesce(:schema, SCHEMA_NAME()) AND (:table IS NULL OR o.name = :table)
