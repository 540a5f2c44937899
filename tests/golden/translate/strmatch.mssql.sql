SELECT leo_earnings.[Edukey] 
FROM leo_earnings 
WHERE ((ISNULL(leo_earnings.[Region], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) LIKE ('N%!_!%![_' + CHAR(1)) ESCAPE '!' AND ((ISNULL(leo_earnings.[Sex], '') + CHAR(1)) COLLATE Latin1_General_100_BIN2) NOT LIKE ('_' + CHAR(1)) ESCAPE '!' ORDER BY leo_earnings.[Edukey], leo_earnings.[TaxYear]
