SELECT leo_earnings.[Edukey] 
FROM leo_earnings 
WHERE ((SELECT MIN(leo_v) FROM (VALUES (leo_earnings.[KS4_APS]), (leo_earnings.[Earnings])) AS leo_values(leo_v)) > 10 OR (SELECT MIN(leo_v) FROM (VALUES (leo_earnings.[KS4_APS]), (leo_earnings.[Earnings])) AS leo_values(leo_v)) IS NULL) AND (SELECT MAX(leo_v) FROM (VALUES (leo_earnings.[KS4_APS]), (leo_earnings.[Earnings]), (leo_earnings.[TaxYear])) AS leo_values(leo_v)) IS NOT NULL ORDER BY leo_earnings.[Edukey], leo_earnings.[TaxYear]
