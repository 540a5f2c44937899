SELECT DB_NAME() AS db, o.object_id, o.type, o.modify_date, SUM(p.rows) AS row_count
FROM sys.objects AS o
LEFT JOIN sys.partitions AS p ON p.object_id = o.object_id AND p.index_id IN (0, 1)
WHERE o.type IN ('U', 'V')
GROUP BY o.object_id, o.type, o.modify_date
UNION ALL
SELECT N'hesa_i2' AS db, o.object_id, o.type, o.modify_date, SUM(p.rows) AS row_count
FROM [hesa_i2].sys.objects AS o
LEFT JOIN [hesa_i2].sys.partitions AS p ON p.object_id = o.object_id AND p.index_id IN (0, 1)
WHERE o.type IN ('U', 'V')
GROUP BY o.object_id, o.type, o.modify_date
UNION ALL
SELECT N'LEO_i2' AS db, o.object_id, o.type, o.modify_date, SUM(p.rows) AS row_count
FROM [LEO_i2].sys.objects AS o
LEFT JOIN [LEO_i2].sys.partitions AS p ON p.object_id = o.object_id AND p.index_id IN (0, 1)
WHERE o.type IN ('U', 'V')
GROUP BY o.object_id, o.type, o.modify_date
UNION ALL
SELECT N'o''k]' AS db, o.object_id, o.type, o.modify_date, SUM(p.rows) AS row_count
FROM [o'k]]].sys.objects AS o
LEFT JOIN [o'k]]].sys.partitions AS p ON p.object_id = o.object_id AND p.index_id IN (0, 1)
WHERE o.type IN ('U', 'V')
GROUP BY o.object_id, o.type, o.modify_date
ORDER BY db, object_id
