"""imgtrainer.progress"""
