SELECT leo_earnings.[Edukey] 
FROM leo_earnings 
WHERE leo_earnings.[Earnings] IS NOT NULL AND (leo_earnings.[Earnings] >= 1000 OR leo_earnings.[Earnings] IS NULL) AND DATALENGTH(leo_earnings.[Region]) > 0 AND ((ISNULL(leo_earnings.[Region], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) >= ('A' + CHAR(1)) AND ((ISNULL(leo_earnings.[Region], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) <= ('M' + CHAR(1)) ORDER BY leo_earnings.[Edukey], leo_earnings.[TaxYear]
