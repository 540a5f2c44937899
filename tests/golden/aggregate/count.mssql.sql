SELECT COUNT_BIG(*) AS [N]
FROM (SELECT leo_earnings.[EDUKEY] AS [EDUKEY], leo_earnings.[TaxYear] AS [TaxYear], leo_earnings.[Earnings] AS [Earnings], leo_earnings.[Sex] AS [Sex], leo_earnings.[Subject] AS [Subject], leo_earnings.[Region] AS [Region], leo_earnings.[StartDate] AS [StartDate], leo_earnings.[Amount] AS [Amount], leo_earnings.[Ratio] AS [Ratio], leo_earnings.[Flag] AS [Flag], leo_earnings.[Hours] AS [Hours]
FROM leo_earnings
WHERE leo_earnings.[TaxYear] >= 201516) AS src
