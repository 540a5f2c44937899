SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE (COALESCE(leo_earnings."Region", '') COLLATE "C") LIKE 'N%!_!%[_' ESCAPE '!' AND (COALESCE(leo_earnings."Sex", '') COLLATE "C") NOT LIKE '_' ESCAPE '!' ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
