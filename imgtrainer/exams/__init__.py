"""imgtrainer.exams"""
