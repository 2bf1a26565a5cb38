"""One parsing report for a data set read in partitions: the partitions' reports merged in file order."""
from recommender.parsing_report import ParsingReport


def merge_reports(reports: list, duration: float) -> ParsingReport:
    """The report of files read one after the other, from each file's own report (in file order).

    Counts add up; each reason's sample is its first line in the earliest file that has it.
    `duration` is the wall time of the whole parse (the partitions ran side by side).
    """
    merged = ParsingReport()
    for report in reports:
        for reason, (count, file, line) in report.errors.items():
            entry = merged.errors.setdefault(reason, [0, file, line])
            entry[0] += count
        merged.successful_lines += report.successful_lines
        merged.total_lines += report.total_lines
        merged.empty_files.extend(report.empty_files)
    merged.duration = duration
    return merged
