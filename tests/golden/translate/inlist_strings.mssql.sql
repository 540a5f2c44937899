SELECT leo_earnings.[Edukey] 
FROM leo_earnings 
WHERE leo_earnings.[Region] IS NULL OR DATALENGTH(leo_earnings.[Region]) = 0 OR ((ISNULL(leo_earnings.[Region], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) IN (('London' + CHAR(1)), ('North East' + CHAR(1))) ORDER BY leo_earnings.[Edukey], leo_earnings.[TaxYear]
