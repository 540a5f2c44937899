SELECT leo_earnings.[Edukey] 
FROM leo_earnings 
WHERE leo_earnings.[Earnings] <= 5 AND (leo_earnings.[TaxYear] >= 201415 OR leo_earnings.[TaxYear] IS NULL) ORDER BY leo_earnings.[Edukey], leo_earnings.[TaxYear]
