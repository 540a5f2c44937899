SELECT leo_earnings.[Edukey] 
FROM leo_earnings 
WHERE (((ISNULL(leo_earnings.[Region], '') + ISNULL(leo_earnings.[Sex], '')) + CHAR(1)) COLLATE Latin1_General_100_BIN2) = ('LondonF' + CHAR(1)) ORDER BY leo_earnings.[Edukey], leo_earnings.[TaxYear]
