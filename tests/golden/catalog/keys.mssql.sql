
        SELECT o.name, i.is_primary_key, i.name, c.name, ic.key_ordinal
        FROM sys.indexes i
        JOIN sys.index_columns ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id
        JOIN sys.columns c ON c.object_id = ic.object_id AND c.column_id = ic.column_id
        JOIN sys.objects o ON o.object_id = i.object_id
        JOIN sys.schemas s ON s.schema_id = o.schema_id
        WHERE i.is_unique = 1 AND i.has_filter = 0 AND ic.is_included_column = 0
          AND o.type IN ('U', 'V') AND s.name = coalesce(:schema, SCHEMA_NAME())
          AND (:table IS NULL OR o.name = :table)