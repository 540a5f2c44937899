SELECT DB_NAME() AS db, o.object_id, o.type, o.modify_date, SUM(p.rows) AS row_count
FROM sys.objects AS o
LEFT JOIN sys.partitions AS p ON p.object_id = o.object_id AND p.index_id IN (0, 1)
WHERE o.type IN ('U', 'V')
GROUP BY o.object_id, o.type, o.modify_date
ORDER BY db, object_id
