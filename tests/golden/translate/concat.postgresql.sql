SELECT leo_earnings."Edukey" 
FROM leo_earnings 
WHERE ((COALESCE(leo_earnings."Region", '') || COALESCE(leo_earnings."Sex", '')) COLLATE "C") = 'LondonF' ORDER BY leo_earnings."Edukey", leo_earnings."TaxYear"
