"""One parsing report for a data set read in partitions: the partitions' reports merged in file order."""
from recommender.parsing_report import ParsingReport


def merge_reports(reports: list, duration: float) -> ParsingReport:
    """The report of files read one after the other, from each file's own report (in file order).

    Counts add up; each reason's sample is its first line in the earliest file that has it.
    `duration` is the wall time of the whole parse (the partitions ran side by side).
    """
    merged = ParsingReport()
    for report in reports:
        for table in (report.errors, report.warnings):
            for reason, (count, file, line) in table.items():
                merged.add_count(reason, count, file, line)
        merged.successful_lines += report.successful_lines
        merged.total_lines += report.total_lines
        merged.empty_files.extend(report.empty_files)
    merged.duration = duration
    return merged
