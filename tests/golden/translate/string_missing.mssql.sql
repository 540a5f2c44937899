SELECT leo_earnings.[Edukey] 
FROM leo_earnings 
WHERE leo_earnings.[Region] IS NULL OR DATALENGTH(leo_earnings.[Region]) = 0 OR leo_earnings.[KS4_English] IS NULL OR DATALENGTH(leo_earnings.[KS4_English]) = 0 OR DATALENGTH(leo_earnings.[Region]) > 0 ORDER BY leo_earnings.[Edukey], leo_earnings.[TaxYear]
