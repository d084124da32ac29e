"""imgtrainer.deid"""
