SELECT leo_earnings.[Edukey] 
FROM leo_earnings 
WHERE leo_earnings.[Region] IS NULL OR DATALENGTH(leo_earnings.[Region]) = 0 OR ((ISNULL(leo_earnings.[Region], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) IN (('London' + CHAR(1)), ('North East' + CHAR(1))) ORDER BY (leo_earnings.[Edukey] + CHAR(1)) COLLATE Latin1_General_100_BIN2, CASE WHEN (leo_earnings.[TaxYear] IS NULL) THEN 1 ELSE 0 END, leo_earnings.[TaxYear]
