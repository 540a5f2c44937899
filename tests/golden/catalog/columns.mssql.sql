
        SELECT o.name, c.name, t.name, c.is_nullable, c.column_id - 1,
               CASE WHEN c.max_length = -1 THEN NULL
                    WHEN t.name IN ('nchar', 'nvarchar') THEN c.max_length / 2
                    ELSE c.max_length END,
               c.precision, c.scale, c.collation_name,
               CAST(ep.value AS nvarchar(4000))
        FROM sys.columns c
        JOIN sys.types t ON t.user_type_id = c.user_type_id
        JOIN sys.objects o ON o.object_id = c.object_id
        JOIN sys.schemas s ON s.schema_id = o.schema_id
        LEFT JOIN sys.extended_properties ep
          ON ep.major_id = c.object_id AND ep.minor_id = c.column_id
             AND ep.class = 1 AND ep.name = 'MS_Description'
        WHERE o.type IN ('U', 'V') AND s.name = coalesce(:schema, SCHEMA_NAME())
          AND (:table IS NULL OR o.name = :table)
        ORDER BY o.name, c.column_id