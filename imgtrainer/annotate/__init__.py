"""imgtrainer.annotate"""
