SELECT leo_earnings.[Edukey] 
FROM leo_earnings 
WHERE leo_earnings.[Region] = 'London' AND ((leo_earnings.[Region] + CHAR(1)) COLLATE Latin1_General_100_BIN2) = ('London' + CHAR(1)) ORDER BY leo_earnings.[Edukey], leo_earnings.[TaxYear]
