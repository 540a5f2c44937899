SELECT leo_earnings.[Edukey] 
FROM leo_earnings 
WHERE ((ISNULL(leo_earnings.[Region], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) = (ISNULL(leo_earnings.[KS4_English], '') + CHAR(1)) ORDER BY leo_earnings.[Edukey], leo_earnings.[TaxYear]
