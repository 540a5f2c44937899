
        SELECT o.name, CASE WHEN o.type = 'V' THEN 'view' ELSE 'table' END,
               (SELECT SUM(p.rows) FROM sys.partitions p
                WHERE p.object_id = o.object_id AND p.index_id IN (0, 1))
        FROM sys.objects o
        JOIN sys.schemas s ON s.schema_id = o.schema_id
        WHERE o.type IN ('U', 'V') AND s.name = coalesce(:schema, SCHEMA_NAME())
        ORDER BY o.name